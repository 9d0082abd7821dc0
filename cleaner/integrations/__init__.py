"""Steps for the pipelines people already run: datatrove (``cleaner.integrations.datatrove``,
extra ``cleaner[datatrove]``) and Hugging Face ``datasets`` (``cleaner.integrations.hf``, extra
``cleaner[hf]``). Each module imports its library on import, so this package imports neither."""
