"""Worlds: a whole practice (catalog, people, bookings, knowledge) described in one YAML file."""
