"""Small tasksets that ship with rlnvr itself, for the trainer's default run and its tests."""
