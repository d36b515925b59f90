"""The programme's identity: who "we" are to customers and referees (name, logo, pitch, sender).

Set by marketing on /admin/programme/identity; read through `identity()`, once per request."""
