// nginx configured the way Dokku's nginx-vhosts plugin renders an app (its nginx.conf.sigil, with
// Dokku's default settings): an upstream block listing each container's address, round robin, no
// upstream keep-alive (Dokku sets none), gzip in the location, the access log on. The stand-in's
// nginx.conf around it is upstream's: `worker_processes auto`, access log to the container's stdout.
//
// Without upstream keep-alive nginx opens (and closes) a connection to a replica per request;
// under saturation the TIME_WAIT sockets pile up and connect() gets slow. `upstreamKeepalive`
// renders the tuned variant the benchmark also reports, so the comparison is not with a straw man.

export interface NginxSite {
  app: string;
  hosts: string[];
  /** ip:port of each replica. */
  upstreams: string[];
  /** Idle connections to keep per worker (`keepalive N` + an empty Connection header); Dokku sets none. */
  upstreamKeepalive?: number;
}

/** Replaces /etc/nginx/conf.d/default.conf of the nginx stand-in. */
export function renderNginxSite(site: NginxSite): string {
  const upstream = `${site.app}-3000`;
  // Keep-alive to the upstream needs HTTP/1.1 (set) and no "Connection: close" passed on.
  const connection = site.upstreamKeepalive ? '""' : "$http_connection";
  const keepalive = site.upstreamKeepalive ? `  keepalive ${site.upstreamKeepalive};\n` : "";
  return `# Dokku-style vhost for the benchmark (see bench/proxies/nginx.ts).
server {
  listen      80;
  server_name ${site.hosts.join(" ")};
  access_log  /var/log/nginx/access.log;
  error_log   /var/log/nginx/error.log;

  location    / {

    gzip on;
    gzip_min_length  1100;
    gzip_buffers  4 32k;
    gzip_types    text/css text/javascript text/xml text/plain text/x-component application/javascript application/x-javascript application/json application/xml  application/rss+xml font/truetype application/x-font-ttf font/opentype application/vnd.ms-fontobject image/svg+xml;
    gzip_vary on;
    gzip_comp_level  6;

    proxy_pass  http://${upstream};
    proxy_http_version 1.1;
    proxy_read_timeout 60s;
    proxy_buffer_size 4k;
    proxy_buffering on;
    proxy_buffers 8 4k;
    proxy_busy_buffers_size 8k;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection ${connection};
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $remote_addr;
    proxy_set_header X-Forwarded-Port $server_port;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Request-Start $msec;
  }
}

upstream ${upstream} {
${keepalive}${site.upstreams.map((u) => `  server ${u};`).join("\n")}
}
`;
}
