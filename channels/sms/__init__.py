"""SMS through Twilio: incoming texts with carrier keywords, replies that fit a text message."""
