"""One router per feature/role; assembled in handlers.aiogram.setup."""
