#!/usr/bin/env python3
"""Check Kubernetes manifests against the Pod Security Standard "restricted" profile.

Usage: pss_restricted.py MANIFEST.yaml...   (exit 1 if any pod spec violates it)
Library: violations(doc) -> list of strings, for one parsed object.

The controls are those of https://kubernetes.io/docs/concepts/security/pod-security-standards/
(baseline, then restricted, as of Kubernetes 1.25 to 1.37), checked on every pod spec a
Pod, a workload's pod template or a CronJob's job template holds, for containers,
initContainers and ephemeralContainers. There is no API server here to run the admission
controller itself; this is the same field list as code.
"""
import sys

# Baseline: capabilities a container may add; sysctls a pod may set (the newest list).
BASELINE_CAPS = {
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
}
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
# Restricted: the only volume sources allowed.
RESTRICTED_VOLUMES = {
    "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim",
    "projected", "secret",
}
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"


def pod_templates(doc):
    """(where, pod metadata, pod spec) for every pod spec in the object."""
    kind = doc.get("kind")
    spec = doc.get("spec") or {}
    if kind == "Pod":
        yield kind, doc.get("metadata") or {}, spec
    elif kind == "CronJob":
        template = (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template")) or {}
        yield f"{kind} jobTemplate", template.get("metadata") or {}, template.get("spec") or {}
    elif isinstance(spec.get("template"), dict):
        template = spec["template"]
        yield f"{kind} template", template.get("metadata") or {}, template.get("spec") or {}


def check_pod(meta, spec):
    out = []
    psc = spec.get("securityContext") or {}
    containers = []
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(field) or []:
            containers.append((f"{field}[{c.get('name')}]", c, c.get("securityContext") or {}))

    # ---- baseline
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field):
            out.append(f"host namespaces: spec.{field} must be unset or false")
    if (psc.get("windowsOptions") or {}).get("hostProcess"):
        out.append("HostProcess: spec.securityContext.windowsOptions.hostProcess must be unset or false")
    for sysctl in psc.get("sysctls") or []:
        if sysctl.get("name") not in SAFE_SYSCTLS:
            out.append(f"sysctls: {sysctl.get('name')} is not a safe sysctl")
    for where, opts in [("spec.securityContext", psc)] + [(w, sc) for w, _, sc in containers]:
        se = opts.get("seLinuxOptions") or {}
        if se.get("type", "") not in SELINUX_TYPES:
            out.append(f"SELinux: {where}.seLinuxOptions.type {se.get('type')!r} is not allowed")
        if se.get("user") or se.get("role"):
            out.append(f"SELinux: {where}.seLinuxOptions user and role must be unset")
        apparmor = (opts.get("appArmorProfile") or {}).get("type")
        if apparmor not in (None, "RuntimeDefault", "Localhost"):
            out.append(f"AppArmor: {where}.appArmorProfile.type {apparmor!r} is not allowed")
    for key, value in (meta.get("annotations") or {}).items():
        if key.startswith(APPARMOR_ANNOTATION) and value != "runtime/default" and not value.startswith("localhost/"):
            out.append(f"AppArmor: annotation {key}={value} is not allowed")

    # ---- restricted: volumes
    for volume in spec.get("volumes") or []:
        sources = [k for k in volume if k != "name"]
        bad = [s for s in sources if s not in RESTRICTED_VOLUMES]
        if bad:
            out.append(f"volume types: volume {volume.get('name')} uses {', '.join(bad)}")

    # ---- per container
    pod_non_root = psc.get("runAsNonRoot") is True
    pod_seccomp = (psc.get("seccompProfile") or {}).get("type")
    if pod_seccomp not in (None, "RuntimeDefault", "Localhost"):
        out.append(f"seccomp: spec.securityContext.seccompProfile.type {pod_seccomp!r} is not allowed")
    if psc.get("runAsUser") == 0:
        out.append("running as non-root user: spec.securityContext.runAsUser must not be 0")
    if not containers:
        out.append("no containers")
    for where, c, sc in containers:
        if sc.get("privileged"):
            out.append(f"privileged: {where}.securityContext.privileged must be unset or false")
        if (sc.get("windowsOptions") or {}).get("hostProcess"):
            out.append(f"HostProcess: {where}.securityContext.windowsOptions.hostProcess must be unset or false")
        if sc.get("procMount") not in (None, "Default"):
            out.append(f"/proc mount: {where}.securityContext.procMount must be unset or Default")
        for port in c.get("ports") or []:
            if port.get("hostPort"):
                out.append(f"host ports: {where} sets hostPort {port['hostPort']}")
        if sc.get("allowPrivilegeEscalation") is not False:
            out.append(f"privilege escalation: {where}.securityContext.allowPrivilegeEscalation must be false")
        non_root = sc.get("runAsNonRoot")
        if non_root is False or (non_root is None and not pod_non_root):
            out.append(f"running as non-root: runAsNonRoot must be true (pod or {where})")
        if sc.get("runAsUser") == 0:
            out.append(f"running as non-root user: {where}.securityContext.runAsUser must not be 0")
        seccomp = (sc.get("seccompProfile") or {}).get("type")
        if seccomp is None and pod_seccomp is None:
            out.append(f"seccomp: {where} has no seccompProfile (RuntimeDefault or Localhost), nor the pod")
        elif seccomp not in (None, "RuntimeDefault", "Localhost"):
            out.append(f"seccomp: {where}.securityContext.seccompProfile.type {seccomp!r} is not allowed")
        caps = sc.get("capabilities") or {}
        if "ALL" not in (caps.get("drop") or []):
            out.append(f"capabilities: {where}.securityContext.capabilities.drop must include ALL")
        for cap in caps.get("add") or []:
            if cap != "NET_BIND_SERVICE":
                kind = "baseline" if cap not in BASELINE_CAPS else "restricted"
                out.append(f"capabilities ({kind}): {where} adds {cap}; only NET_BIND_SERVICE is allowed")
    return out


def violations(doc):
    """Violations of the restricted profile in one object (empty if it holds no pod spec)."""
    out = []
    name = f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
    for where, meta, spec in pod_templates(doc):
        out.extend(f"{name} ({where}): {v}" for v in check_pod(meta, spec))
    return out


def main():
    import yaml

    if len(sys.argv) < 2:
        sys.exit(__doc__)
    found = []
    pods = 0
    for path in sys.argv[1:]:
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if not doc:
                    continue
                pods += sum(1 for _ in pod_templates(doc))
                found.extend(f"{path}: {v}" for v in violations(doc))
    for v in found:
        print(v)
    print(f"pss-restricted: {pods} pod specs, {len(found)} violations")
    sys.exit(1 if found else 0)


if __name__ == "__main__":
    main()
