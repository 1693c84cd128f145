"""python-telegram-bot 22 transport: handlers per feature, one DB session per update, replies sent after commit."""
