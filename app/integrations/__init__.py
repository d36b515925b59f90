"""What the portal sends to other systems: signed webhooks, chat alerts, the REST API's neighbours."""
