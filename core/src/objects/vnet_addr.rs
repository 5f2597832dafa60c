//! Address arithmetic of virtual networks, as OpenNebula's `AddressRange` does it: MACs as a
//! 16-bit high part plus a 32-bit low part, IPv4 as a 32-bit number, IPv6 as four 32-bit words
//! (index 0 the lowest), /64 prefixes as two words, SLAAC addresses from a prefix and the
//! EUI-64 of a MAC, and IPv6 text in glibc's `inet_ntop` form.

use std::net::Ipv6Addr;

/// A MAC address: `hi` holds the first two bytes, `lo` the last four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Mac {
    /// Bytes 0-1.
    pub hi: u32,
    /// Bytes 2-5.
    pub lo: u32,
}

impl Mac {
    /// The MAC `index` addresses after this one (the low part wraps like a C `unsigned`).
    pub fn offset(self, index: u32) -> Mac {
        Mac { hi: self.hi, lo: self.lo.wrapping_add(index) }
    }
}

/// Parses `xx:xx:xx:xx:xx:xx` (1 or 2 hex digits per byte). An empty text is the zero MAC;
/// the broadcast address is refused.
pub fn parse_mac(text: &str) -> Option<Mac> {
    if text.is_empty() {
        return Some(Mac::default());
    }
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() != 6
        || parts.iter().any(|p| p.is_empty() || p.len() > 2 || !p.chars().all(|c| c.is_ascii_hexdigit()))
    {
        return None;
    }
    let b: Vec<u32> = parts.iter().map(|p| u32::from_str_radix(p, 16).unwrap_or(0)).collect();
    let mac = Mac { hi: (b[0] << 8) + b[1], lo: (b[2] << 24) + (b[3] << 16) + (b[4] << 8) + b[5] };
    (mac != Mac { hi: 0xFFFF, lo: 0xFFFF_FFFF }).then_some(mac)
}

/// `02:00:0a:00:00:01` (lower-case, two digits per byte).
pub fn mac_str(mac: Mac) -> String {
    let bytes = [
        (mac.hi >> 8) & 0xFF,
        mac.hi & 0xFF,
        mac.lo >> 24,
        (mac.lo >> 16) & 0xFF,
        (mac.lo >> 8) & 0xFF,
        mac.lo & 0xFF,
    ];
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
}

/// oned.conf's `MAC_PREFIX` (`02:00`) as a 16-bit number; a malformed prefix means `00:01`,
/// as in OpenNebula.
pub fn parse_mac_prefix(text: &str) -> u32 {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() != 2 {
        return 1;
    }
    let byte = |p: &str| u32::from_str_radix(p.trim(), 16).ok().filter(|b| *b <= 0xFF);
    match (byte(parts[0]), byte(parts[1])) {
        (Some(a), Some(b)) => (a << 8) + b,
        _ => 1,
    }
}

/// Parses a dotted IPv4 address (decimal octets, exactly four).
pub fn parse_ip(text: &str) -> Option<u32> {
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() != 4 {
        return None;
    }
    let mut ip: u32 = 0;
    for p in parts {
        let octet: u64 = p.parse().ok()?;
        if octet > 255 {
            return None;
        }
        ip = (ip << 8) + octet as u32;
    }
    Some(ip)
}

/// `10.0.0.1`.
pub fn ip_str(ip: u32) -> String {
    std::net::Ipv4Addr::from(ip).to_string()
}

/// Parses an IPv6 address into four words, index 0 the lowest.
pub fn parse_ip6(text: &str) -> Option<[u32; 4]> {
    let addr: Ipv6Addr = text.parse().ok()?;
    let v = u128::from(addr);
    Some([v as u32, (v >> 32) as u32, (v >> 64) as u32, (v >> 96) as u32])
}

/// Parses the /64 prefix of an IPv6 address: `[bits 32..64, bits 0..32]` of the address,
/// i.e. index 1 the highest word. Empty means no prefix (zero).
pub fn parse_prefix6(text: &str) -> Option<[u32; 2]> {
    if text.is_empty() {
        return Some([0, 0]);
    }
    let w = parse_ip6(text)?;
    Some([w[2], w[3]])
}

/// The IPv6 text of four words (index 0 the lowest), formatted like glibc's `inet_ntop`.
pub fn ip6_str(words: [u32; 4]) -> String {
    let v = (u128::from(words[3]) << 96)
        | (u128::from(words[2]) << 64)
        | (u128::from(words[1]) << 32)
        | u128::from(words[0]);
    inet_ntop6(v)
}

/// The SLAAC address of a MAC under a /64 prefix (`[low, high]` words): prefix, then the
/// EUI-64 of the MAC (universal/local bit flipped, `ff:fe` in the middle).
pub fn ip6_slaac(prefix: [u32; 2], mac: Mac) -> String {
    let eui_hi = ((mac.hi ^ 0x0200) << 16).wrapping_add((mac.lo & 0xFF00_0000) >> 16).wrapping_add(0xFF);
    let eui_lo = 0xFE00_0000u32.wrapping_add(mac.lo & 0x00FF_FFFF);
    ip6_str([eui_lo, eui_hi, prefix[0], prefix[1]])
}

/// glibc's IPv6 formatting: the first longest run of two or more zero groups becomes `::`,
/// and IPv4-compatible (`::a.b.c.d`) and IPv4-mapped (`::ffff:a.b.c.d`) addresses end in
/// dotted quads.
fn inet_ntop6(v: u128) -> String {
    let words: Vec<u16> = (0..8).map(|i| (v >> (112 - 16 * i)) as u16).collect();
    let (mut best, mut cur): ((i32, usize), (i32, usize)) = ((-1, 0), (-1, 0));
    for (i, w) in words.iter().enumerate() {
        if *w == 0 {
            if cur.0 == -1 {
                cur = (i as i32, 1);
            } else {
                cur.1 += 1;
            }
        } else if cur.0 != -1 {
            if best.0 == -1 || cur.1 > best.1 {
                best = cur;
            }
            cur = (-1, 0);
        }
    }
    if cur.0 != -1 && (best.0 == -1 || cur.1 > best.1) {
        best = cur;
    }
    if best.0 != -1 && best.1 < 2 {
        best = (-1, 0);
    }
    let mut out = String::new();
    let mut i = 0;
    while i < 8 {
        if best.0 != -1 && i as i32 >= best.0 && i < best.0 as usize + best.1 {
            if i as i32 == best.0 {
                out.push(':');
            }
            i += 1;
            continue;
        }
        if i != 0 {
            out.push(':');
        }
        if i == 6 && best.0 == 0 && (best.1 == 6 || (best.1 == 5 && words[5] == 0xffff)) {
            out.push_str(&ip_str(v as u32));
            return out;
        }
        out.push_str(&format!("{:x}", words[i]));
        i += 1;
    }
    if best.0 != -1 && best.0 as usize + best.1 == 8 {
        out.push(':');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs() {
        let m = parse_mac("02:00:0a:00:00:0A").unwrap();
        assert_eq!(m, Mac { hi: 0x0200, lo: 0x0a00_000a });
        assert_eq!(mac_str(m), "02:00:0a:00:00:0a");
        assert_eq!(mac_str(parse_mac("2:0:a:0:0:1").unwrap()), "02:00:0a:00:00:01");
        assert_eq!(parse_mac(""), Some(Mac::default()));
        for bad in [
            "ff:ff:ff:ff:ff:ff",
            "02:00:0a:00:00",
            "02:00:0a:00:00:0g",
            "002:00:0a:00:00:01",
            "02::0a:00:00:01",
        ] {
            assert_eq!(parse_mac(bad), None, "{bad}");
        }
        assert_eq!(mac_str(m.offset(15)), "02:00:0a:00:00:19");
        assert_eq!(parse_mac_prefix("02:00"), 0x0200);
        assert_eq!(parse_mac_prefix("0200"), 1);
    }

    #[test]
    fn ipv4() {
        assert_eq!(parse_ip("10.0.0.10"), Some(0x0a00_000a));
        assert_eq!(ip_str(0x0a00_0019), "10.0.0.25");
        for bad in
            ["", "10.0.0", "10.0.0.256", "10..0.1", "10.0.0.1.", "a.b.c.d", "10.0.0.-1", "99999999999.0.0.1"]
        {
            assert_eq!(parse_ip(bad), None, "{bad}");
        }
        assert_eq!(parse_ip("010.0.0.1"), Some(0x0a00_0001));
    }

    #[test]
    fn ipv6_and_slaac() {
        let p = parse_prefix6("2001:db8::").unwrap();
        assert_eq!(p, [0, 0x2001_0db8]);
        let mac = parse_mac("02:00:0a:00:00:0a").unwrap();
        assert_eq!(ip6_slaac(p, mac), "2001:db8::aff:fe00:a");
        assert_eq!(ip6_slaac([0, 0xfe80_0000], mac), "fe80::aff:fe00:a");
        assert_eq!(ip6_slaac(p, parse_mac("00:11:22:33:44:55").unwrap()), "2001:db8::211:22ff:fe33:4455");
        assert_eq!(parse_prefix6("zz"), None);
        let w = parse_ip6("fd00::1:0").unwrap();
        assert_eq!(w, [0x0001_0000, 0, 0, 0xfd00_0000]);
        assert_eq!(ip6_str(w), "fd00::1:0");
    }

    #[test]
    fn ipv6_text_is_glibcs() {
        for (text, want) in [
            ("::", "::"),
            ("::1", "::1"),
            ("1::", "1::"),
            ("1:0:0:2:0:0:0:3", "1:0:0:2::3"),
            ("1:0:2:0:3:0:4:0", "1:0:2:0:3:0:4:0"),
            ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),
            ("::10.0.0.1", "::10.0.0.1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ] {
            assert_eq!(ip6_str(parse_ip6(text).unwrap()), want, "{text}");
        }
    }
}
