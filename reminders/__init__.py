"""The immunisation schedule as data, reminder plans, the durable reminder table, the dispatcher."""
