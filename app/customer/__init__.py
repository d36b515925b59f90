"""The customer's own pages next to the journey: points, badges, rewards, contributions, profile, leaderboard."""
