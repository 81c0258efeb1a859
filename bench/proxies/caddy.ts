// Caddy as a user would set it up in front of the same replicas: reverse_proxy to each address,
// round robin, active health checks on /health every 500 ms (like berth's HAProxy), and an access
// log to stdout (HAProxy and nginx log every request too).

export interface CaddySite {
  hosts: string[];
  /** ip:port of each replica. */
  upstreams: string[];
}

/** Replaces /etc/caddy/Caddyfile of the caddy stand-in. */
export function renderCaddyfile(site: CaddySite): string {
  return `# Caddy for the benchmark (see bench/proxies/caddy.ts).
{
	admin off
	auto_https off
}

${site.hosts.map((h) => `http://${h}`).join(", ")} {
	log {
		output stdout
	}
	reverse_proxy ${site.upstreams.join(" ")} {
		lb_policy round_robin
		health_uri /health
		health_interval 500ms
	}
}
`;
}
