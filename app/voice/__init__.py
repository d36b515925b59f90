"""The customer's voice for staff: every challenge's answers (answers.py), poll results (polls.py), and
their pages (routes.py, forms.py). Sales read only their own accounts' customers (app.sales.scope)."""
