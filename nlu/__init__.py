"""Understanding one message: tokens, intent + topic, entities."""
