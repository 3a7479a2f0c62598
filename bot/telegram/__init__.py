"""The thin Telegram layer: application set-up, handlers, signed button callbacks, chat state."""
