"""One module of PTB handlers per feature/role; registered in handlers.ptb.setup."""
