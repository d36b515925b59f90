"""Chat alerts: the account manager's and their team's Slack or Microsoft Teams channel hears about a
detractor or promoter alert, a customer who wants more services, a confirmed introduction and a won
referral. Messages are queued with the change (an outbox) and delivered by the worker."""
