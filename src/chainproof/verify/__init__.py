"""Deploy-time verification: which files and evidence to check (``targets``), Sigstore bundles
and key envelopes (``bundles``, ``key_envelope``), signer identity (``identity``), statements
(``statements``), in-toto layouts (``layout``, ``layout_check``), the whole run
(``engine`` → ``report``), a VSA (``vsa``), and an installed environment against its SBOM
(``env_drift``).

Typical use (what ``chainproof verify`` does)::

    policy = formats.deploy_policy.load_policy({"gitlab": "group/project", "ref": "main"})
    report = verify.run.verify_release(["dist/"], None, policy).report
    report.passed  # fails closed: every required check ran and passed

Import from the submodules; this package stays empty so importing it costs nothing (the
CLI reaches submodules as attributes, loaded on first use: chainproof.lazy).
"""

from __future__ import annotations

from chainproof.lazy import submodule_loader

__all__: list[str] = []

__getattr__ = submodule_loader(__name__)  # submodules load on first use
