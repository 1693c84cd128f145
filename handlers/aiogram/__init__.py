"""aiogram 3 transport: routers per role, one DB session per update, replies sent after commit."""
