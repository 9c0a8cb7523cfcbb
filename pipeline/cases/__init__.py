"""Deciding one case: a submission's extractions → a decision, routed and kept."""
