"""Debian's python3-kubernetes against the sandbox: list, watch, create from YAML, patch, delete, validation.

Prints one line per check ("ok <what>") and exits non-zero on the first surprise.
Usage: python3 python-client.py KUBECONFIG NAMESPACE
"""
import sys
import tempfile
import warnings

from kubernetes import client, config, utils, watch

warnings.filterwarnings("ignore")
kubeconfig, ns = sys.argv[1], sys.argv[2]
config.load_kube_config(config_file=kubeconfig, context="sandbox")
api = client.ApiClient()
apps = client.AppsV1Api(api)
core = client.CoreV1Api(api)

deployments = apps.list_namespaced_deployment(ns)
assert len(deployments.items) >= 3, deployments.items
print(f"ok list {len(deployments.items)} deployments")

seen = 0
w = watch.Watch()
for event in w.stream(apps.list_namespaced_deployment, ns, timeout_seconds=5):
    assert event["type"] == "ADDED", event["type"]
    seen += 1
    if seen == len(deployments.items):
        w.stop()
assert seen == len(deployments.items), seen
print(f"ok watch {seen} events")

with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
    f.write(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-python\n"
        "data:\n  release: v1.25.0\n"
    )
    f.flush()
    utils.create_from_yaml(api, f.name, namespace=ns)
print("ok create from yaml")

core.patch_namespaced_config_map("from-python", ns, {"data": {"release": "v1.25.1"}})
assert core.read_namespaced_config_map("from-python", ns).data["release"] == "v1.25.1"
print("ok patch")

core.delete_namespaced_config_map("from-python", ns)
names = [c.metadata.name for c in core.list_namespaced_config_map(ns).items]
assert "from-python" not in names, names
print("ok delete")

# Validation: this client (22.x) has no field_validation argument, so the strict create goes through its
# ApiClient with the query parameter kubectl sends; a wrong type fails whatever the mode.
typo = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "typo-python"},
    "data": {"release": "v1"},
    "dataa": {"release": "v2"},
}
try:
    api.call_api(
        f"/api/v1/namespaces/{ns}/configmaps", "POST",
        query_params=[("fieldValidation", "Strict")], body=typo,
        header_params={"Content-Type": "application/json"}, auth_settings=["BearerToken"],
    )
    raise AssertionError("an unknown field was stored")
except client.exceptions.ApiException as e:
    assert e.status == 400 and 'strict decoding error: unknown field \\"dataa\\"' in e.body, e.body
print("ok strict validation")

with tempfile.NamedTemporaryFile("w", suffix=".yaml") as f:
    f.write(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: typed-python\n"
        "spec:\n  selector: {matchLabels: {app: typed-python}}\n"
        "  template:\n    metadata: {labels: {app: typed-python}}\n"
        "    spec: {containers: [{name: app, image: 12}]}\n"
    )
    f.flush()
    try:
        utils.create_from_yaml(api, f.name, namespace=ns)
        raise AssertionError("image: 12 was stored")
    except utils.FailToCreateError as e:
        text = str(e)
        assert "cannot unmarshal number into Go struct field Container.spec.template.spec.containers.image" in text, text
print("ok wrong type")

# list_node deserialises every node's status.nodeInfo, which requires bootID, machineID, systemUUID, ...
nodes = core.list_node()
assert all(n.status.node_info.boot_id for n in nodes.items), nodes.items
print(f"ok list {len(nodes.items)} nodes")

pod = core.list_namespaced_pod(ns, label_selector="app=workflow-engine").items[0].metadata.name
lines = core.read_namespaced_pod_log(pod, ns, tail_lines=2).splitlines()
assert len(lines) == 2 and all(" GET /api/v1/workflows status=" in l for l in lines), lines
print(f"ok log {len(lines)} lines")

core.create_namespaced_secret(ns, client.V1Secret(metadata=client.V1ObjectMeta(name="py-secret"), string_data={"k": "v"}))
assert core.read_namespaced_secret("py-secret", ns).metadata.name == "py-secret"
core.delete_namespaced_secret("py-secret", ns)
print("ok secret")
