# No access log: it would record who asked for what, from where (DESIGN.md section 3).
accesslog = None
errorlog = "-"
loglevel = "warning"
workers = 2
worker_class = "sync"
proxy_protocol = False
forwarded_allow_ips = "127.0.0.1"
