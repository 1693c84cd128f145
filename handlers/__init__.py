"""Transports: aiogram 3 (default), python-telegram-bot 22 and a terminal console."""
