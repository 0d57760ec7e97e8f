"""Software integrity (layer 4: imports ``chassis``, ``config``, ``crypto``, ``clock``,
``scheduler`` and ``errors``; never ``cli``, ``netconf`` or ``router``).

- :mod:`xrsim.integrity.packages`: the software packages as real RPM files: the platform's
  catalog (base image and optional packages), the simulated vendor's signing key and built
  RPMs (cached in the vendor directory), and ``PackageManager`` (``router.packages``): the
  installed, active and committed packages, their files on every XR node, install operations
  and their log.
- :mod:`xrsim.integrity.fingerprint`, :mod:`xrsim.integrity.kgv`: package fingerprints
  (install-time from the RPM headers, run-time over the node files) and the signed Known Good
  Values file.
- :mod:`xrsim.integrity.ima`: the IMA measurement list of each node.
- :mod:`xrsim.integrity.inventory`: the filesystem inventory and its snapshots.
- :mod:`xrsim.integrity.envelope`: ``utility sign`` envelopes (SUDI-signed JSON).
- :mod:`xrsim.integrity.dossier`, :mod:`xrsim.integrity.verify`: the integrity dossier and its
  verifier.
"""
