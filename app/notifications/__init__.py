"""In-app messages to customers (a review outcome, a reward on its way)."""
