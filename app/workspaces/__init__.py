"""Where staff land: the marketing workspace (/admin) and the sales workspace (/sales)."""
