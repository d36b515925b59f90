"""Programme analytics: participation, the level funnel, challenges, referrals, NPS, accounts and
rewards for a chosen period beside the period before it, aggregated in SQL."""
