"""The dependency checks of an audit beside the vulnerabilities: ``pins``, ``hashes`` and
``sources``, each over the evidence of a lock (:mod:`chainproof.audit.locked`).

- :mod:`.base`: ``Check`` (the plug point), ``Rule`` (a finding id with its default
  severity), ``CheckContext`` (the evidence, the policy, the index) and ``CheckOutcome``.
- :mod:`.pins`, :mod:`.hashes`, :mod:`.sources`: the checks.
- :mod:`.runner`: ``run_checks``, which runs the chosen ones and says which did not run.
"""
