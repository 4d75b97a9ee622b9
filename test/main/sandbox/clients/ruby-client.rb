# Debian's ruby-kubeclient against the sandbox: list, watch (the legacy /watch/ paths), create, patch, delete,
# server-side apply (create by apply, a conflict with another manager).
# Prints one line per check ("ok <what>") and exits non-zero on the first surprise.
# Usage: ruby ruby-client.rb KUBECONFIG NAMESPACE
require 'json'
require 'kubeclient'

kubeconfig, ns = ARGV
ctx = Kubeclient::Config.read(kubeconfig).context('sandbox')
opts = { ssl_options: ctx.ssl_options, auth_options: ctx.auth_options }
apps = Kubeclient::Client.new("#{ctx.api_endpoint}/apis/apps", 'v1', **opts)
core = Kubeclient::Client.new("#{ctx.api_endpoint}/api", 'v1', **opts)

def check(ok, what)
  raise "failed: #{what}" unless ok
  puts "ok #{what}"
end

deployments = apps.get_deployments(namespace: ns)
check(deployments.size >= 3, "list #{deployments.size} deployments")

seen = 0
watcher = apps.watch_deployments(namespace: ns)
watcher.each do |event|
  raise "unexpected #{event.type}" unless event.type == 'ADDED'
  seen += 1
  watcher.finish if seen == deployments.size
end
check(seen == deployments.size, "watch #{seen} events")

core.create_config_map(Kubeclient::Resource.new(
  metadata: { name: 'from-ruby', namespace: ns }, data: { release: 'v1.25.0' }
))
check(core.get_config_map('from-ruby', ns).data.release == 'v1.25.0', 'create')

core.patch_config_map('from-ruby', { data: { release: 'v1.25.1' } }, ns)
check(core.get_config_map('from-ruby', ns).data.release == 'v1.25.1', 'patch')

core.delete_config_map('from-ruby', ns)
check(core.get_config_maps(namespace: ns).none? { |c| c.metadata.name == 'from-ruby' }, 'delete')

# A plain Hash: kubeclient 4.9 sends `to_json` of the resource, which for a Kubeclient::Resource is its inspect string.
deployment = lambda do |image, replicas|
  {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name: 'from-ruby', namespace: ns },
    spec: {
      replicas: replicas,
      selector: { matchLabels: { app: 'from-ruby' } },
      template: {
        metadata: { labels: { app: 'from-ruby' } },
        spec: { containers: [{ name: 'app', image: image }, { name: 'envoy', image: 'envoy:1' }] }
      }
    }
  }
end
apps.apply_deployment(deployment.call('web:1', 2), field_manager: 'ruby-deployer', force: false)
created = apps.get_deployment('from-ruby', ns)
check(created.spec.template.spec.containers.map(&:name) == %w[app envoy] &&
      created.metadata.managedFields.map(&:manager) == ['ruby-deployer'], 'apply create')

begin
  apps.apply_deployment(deployment.call('web:1', 5), field_manager: 'ruby-scaler', force: false)
  raise 'failed: a conflicting apply was taken'
rescue Kubeclient::HttpError => e
  raise "failed: #{e.error_code} #{e.message}" unless e.error_code == 409 && e.message.include?('.spec.replicas')
end
check(apps.get_deployment('from-ruby', ns).spec.replicas == 2, 'apply conflict')
apps.delete_deployment('from-ruby', ns)

pod = core.get_pods(namespace: ns, label_selector: 'app=workflow-engine').first.metadata.name
lines = core.get_pod_log(pod, ns, tail_lines: 2).to_s.split("\n")
check(lines.size == 2 && lines.all? { |l| l.include?(' GET /api/v1/workflows status=') }, "log #{lines.size} lines")

core.create_secret(Kubeclient::Resource.new(metadata: { name: 'rb-secret', namespace: ns }, stringData: { k: 'v' }))
check(core.get_secret('rb-secret', ns).metadata.name == 'rb-secret', 'secret')
core.delete_secret('rb-secret', ns)
