"""Rule-based understanding of English booking conversations for the offline chat model."""
