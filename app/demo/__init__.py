"""Demo and scale data: `flask seed-demo` (the demo accounts, journey, referrals and sales queue)
and `flask seed-scale` (a synthetic programme of any size, for measuring)."""
