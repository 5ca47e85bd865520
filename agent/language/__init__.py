"""The client's language: recognised in their messages, asked for, and told to the model."""
