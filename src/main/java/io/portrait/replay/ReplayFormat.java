package io.portrait.replay;

import java.util.Locale;

/** File formats that {@code portrait replay} and {@code portrait demo --replay} read. */
public enum ReplayFormat {
    /** One event JSON per line, sent as-is. */
    JSONL("jsonl"),
    /** UCI Online Retail CSV (optionally gzip): one purchase or refund per invoice line. */
    ONLINE_RETAIL("online-retail"),
    /** Alibaba Tianchi UserBehavior (Taobao) CSV (optionally gzip): clickstream. */
    TAOBAO("taobao");

    private final String cliName;

    ReplayFormat(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static ReplayFormat parse(String name) {
        for (ReplayFormat f : values()) {
            if (f.cliName.equals(name.toLowerCase(Locale.ROOT))) {
                return f;
            }
        }
        throw new IllegalArgumentException(
                "--format " + name + " is unknown; use jsonl, online-retail or taobao.");
    }
}
