"""SCEP client (RFC 8894), transport-independent (layer 4: imports ``xrsim.errors``,
``xrsim.net``).

- ``xrsim.scep.message``: the CMS pieces (SignedData with the SCEP attributes, EnvelopedData,
  certs-only PKCS#7), usable by a client and by a CA or RA alike.
"""
