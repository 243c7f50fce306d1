"""Built-in cogs: the plugins a community can switch on."""
