"""People: staff accounts (admins) and companies (marketing and admins)."""
