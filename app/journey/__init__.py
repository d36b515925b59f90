"""The customer journey: levels, challenges and what customers submit."""
