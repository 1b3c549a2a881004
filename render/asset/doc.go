// Package asset loads the image sources of Fabric.js Image objects and
// pattern fills for a rendering service that accepts templates from people
// it does not fully trust.
//
// A [Loader] implements render.ImageLoader:
//
//	l := asset.New(asset.Options{
//		Dir:          "/srv/fabricpress/assets",
//		AllowedHosts: []string{"cdn.example.com", "*.images.example.com"},
//	})
//	b, err := l.Load(ctx, src) // encoded PNG/JPEG/GIF/WebP/BMP bytes
//
// It understands four kinds of source:
//
//   - data: URLs, base64 or percent-encoded, with an image/* media type or
//     none (then the bytes are sniffed);
//   - local paths ("img/a.png", "/img/a.png") and file: URLs, always
//     resolved inside Options.Dir ("/img/a.png" means Dir/img/a.png);
//   - http: and https: URLs whose host is on Options.AllowedHosts
//     ("//host/path" is read as https://host/path, as a browser on an
//     https page would);
//   - blob: URLs, which are always refused: they only exist inside the
//     browser that made them.
//
// Every source, whatever its kind, must turn out to be a PNG, JPEG, GIF,
// WebP or BMP image whose dimensions, read from its header with
// [image.DecodeConfig], fit within Options.MaxPixels. SVG is not
// supported. Load returns the bytes undecoded; the caller decodes them.
//
// Errors are of type [*Error] and wrap one of [ErrNotAllowed],
// [ErrTooLarge] or [ErrNotImage] when the source was refused (test with
// [errors.Is]); I/O and network failures wrap their cause instead
// (for example [fs.ErrNotExist] or [context.DeadlineExceeded]). Messages
// are one line and name the source, shortened when it is a long data URL.
//
// # Security Considerations
//
// Image sources come from template JSON and recipient data, so they are
// attacker-controlled input. The loader is built to be safe by default:
//
//   - Nothing but data: URLs loads with the zero Options. Local files need
//     Options.Dir; remote images need Options.AllowedHosts.
//   - Local paths cannot leave Dir: ".." components that climb above it
//     are refused, the resolved path is checked with
//     [path/filepath.EvalSymlinks] against the real (symlink-free) Dir, so
//     a symbolic link pointing outside Dir is refused, and the file is then
//     opened through an [os.Root] for Dir so that a symlink swapped in
//     after the check still cannot escape. Only regular files are read.
//   - Remote hosts must match Options.AllowedHosts. Every redirect hop is
//     checked again (host on the list, http or https only, no https to
//     http downgrade), and at most 5 redirects are followed.
//   - Server-side request forgery: regardless of the allow-list, the
//     loader never connects to loopback, private (RFC 1918, RFC 4193
//     fc00::/7), link-local (169.254.0.0/16, including the cloud metadata
//     address 169.254.169.254, and fe80::/10), CGNAT (100.64.0.0/10),
//     unspecified, multicast, broadcast, documentation, benchmarking or
//     reserved addresses, nor to IPv4-mapped, NAT64 or 6to4 forms of them.
//     The check runs at dial time on the address actually being connected
//     to, after DNS resolution, so an allowed name that resolves (or is
//     re-bound) to an internal address is still refused.
//   - HTTP proxies are never used (the proxy would resolve the name and
//     the address check could not see the real target). A custom
//     Options.Client keeps its TLS settings, cookie jar and redirect
//     policy, but its Transport must be an [*net/http.Transport]; its
//     proxy and any custom TLS dial function are dropped, and its dial
//     function, if any, is only ever asked to connect to checked IP
//     addresses.
//   - Sizes are bounded before memory is spent: a data URL's decoded size
//     is computed from its text before decoding; a local file's size is
//     checked with stat; an HTTP Content-Length above the limit is refused
//     before the body is read; and every body is read through an
//     [io.LimitReader] of MaxBytes+1 bytes. Pixel dimensions are checked
//     from the image header, before anything is decoded, so a small file
//     claiming 100000x100000 pixels (a decompression bomb) is refused.
//   - Responses must have status 200 and an image/* Content-Type
//     (application/octet-stream or none only when the bytes sniff as an
//     image). HTML error pages and SVG (which can carry scripts and
//     external references) are refused.
//   - Each HTTP load, including reading the body, is bounded by
//     Options.Timeout as well as by the caller's context.
//
// Options.AllowPrivate switches off the address check. It exists ONLY so
// tests can talk to an [net/http/httptest.Server] on 127.0.0.1. NEVER set
// it in production: any template could then reach internal services and
// cloud metadata endpoints through the renderer.
package asset
