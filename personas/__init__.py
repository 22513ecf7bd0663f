"""Built-in personas (TOML files in this folder) and Character Card import/export."""
