"""The programme's terms and "how it works": versions written by marketing, acceptances by customers."""
