"""Training: model loading, tokenizer and pretraining of the bundled model, the GSPO trainer."""
