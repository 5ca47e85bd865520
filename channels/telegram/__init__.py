"""The Telegram channel: a bot fed by a webhook, chatting through the hub like the web chat."""
