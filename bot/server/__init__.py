"""The HTTP server: one FastAPI app for every channel (web chat, hotline API, WeChat, Telegram's
webhook), health and metrics. Channels are thin adapters over the conversation core; each is a
`Channel` (bot/server/channel.py) listed once in bot/server/channels.py."""
