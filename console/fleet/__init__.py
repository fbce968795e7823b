"""Fleet view: every device with its state, live sensor charts, commands, config, registration."""
