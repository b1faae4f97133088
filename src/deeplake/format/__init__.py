"""The Deep Lake v3 on-disk contract: storage keys, encoders, chunks, metas.

Pure code over bytes; nothing here touches a storage provider.
"""
