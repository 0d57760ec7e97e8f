"""Labs (layer 6): lab files, the launcher behind ``xrsim up``/``down``/``ls``/``console``/
``ssh``, the pytest plugin, inventories for the automation tools, the containerlab export.

- ``spec``: what a lab file describes (``LabSpec``, ``NodeSpec``, ...), frozen dataclasses.
- ``labfile``: YAML lab files read and checked against the lab schema (``load``, ``loads``);
  a bad file raises ``LabFileError`` with its line, field and reason.
- ``status``: what a running lab is (``LabStatus``, ``lab.json``).
- ``network``: a lab's networks, node VRFs and peers (``LabNetwork`` -> ``NetworkPlan``).
- ``netlab``: namespaces, bridges, veths and the CA / TFTP peer programs in them (``Lab``).
- ``peers``: the syslog listener and ``snmptrapd`` a lab runs.
- ``pytest_plugin``: the ``pytest11`` plugin: ``xr_router``, ``xr_router_factory``, ``xr_lab``,
  ``xr_lab_session``, the ``xr_release`` marker (``XrRouter``, ``XrLab``), built on ``Lab``.
- ``inventory``: a running lab's Ansible, Nornir, pyATS and netmiko inventories (``render``,
  ``xrsim inventory``).
"""
