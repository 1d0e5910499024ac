package io.portrait.profile.feature;

import java.util.Locale;
import java.util.Set;

/**
 * Demographics from {@code profile_update} events, validated: an age becomes a band (13–120 only),
 * gender is normalised to f, m or other, a country must be an ISO 3166 alpha-2 code. Invalid values
 * are not stored (and counted by the caller).
 */
public class Demographics {
    private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());

    public String ageBand;
    public String gender;
    public String country;

    public Demographics() {}

    /** The band of a plausible age, or null. */
    public static String ageBand(Integer age) {
        if (age == null || age < 13 || age > 120) {
            return null;
        }
        if (age < 18) {
            return "13-17";
        }
        if (age < 25) {
            return "18-24";
        }
        if (age >= 65) {
            return "65+";
        }
        int lo = age < 35 ? 25 : age < 45 ? 35 : age < 55 ? 45 : 55;
        return lo + "-" + (lo + 9);
    }

    /** f, m or other, or null when not recognisable. */
    public static String gender(String raw) {
        if (raw == null) {
            return null;
        }
        return switch (raw.trim().toLowerCase(Locale.ROOT)) {
            case "f", "female", "woman", "w" -> "f";
            case "m", "male", "man" -> "m";
            case "other", "x", "nonbinary", "non-binary", "diverse" -> "other";
            default -> null;
        };
    }

    /** The upper-case ISO code, or null when not a country. */
    public static String country(String raw) {
        if (raw == null) {
            return null;
        }
        String c = raw.trim().toUpperCase(Locale.ROOT);
        return COUNTRIES.contains(c) ? c : null;
    }

    public boolean isEmpty() {
        return ageBand == null && gender == null && country == null;
    }

    public Demographics copy() {
        Demographics c = new Demographics();
        c.ageBand = ageBand;
        c.gender = gender;
        c.country = country;
        return c;
    }
}
