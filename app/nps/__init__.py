"""NPS: answers, promoter/detractor alerts with follow-up, and the figures."""
