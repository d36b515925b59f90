"""The "tell us" channel: customers send an idea, a problem or praise; marketing answers and closes."""
