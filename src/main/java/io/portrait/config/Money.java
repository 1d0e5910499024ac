package io.portrait.config;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * Exact money: amounts are converted once, at ingest, to integer minor units of the base currency
 * (pence for GBP) with a configured FX table, and only ever summed as {@code long}s.
 */
public record Money(String baseCurrency, Map<String, BigDecimal> rates) implements Serializable {

    public Money {
        rates = Map.copyOf(rates);
    }

    /** Decimal places of the base currency's minor unit (2 for GBP, 0 for JPY). */
    public int baseFractionDigits() {
        return Math.max(0, Currency.getInstance(baseCurrency).getDefaultFractionDigits());
    }

    /**
     * The amount in base-currency minor units, rounded half-even; empty when the currency has no
     * rate.
     */
    public OptionalLong toBaseMinor(BigDecimal amount, String currency) {
        BigDecimal rate = rates.get(currency);
        if (rate == null) {
            return OptionalLong.empty();
        }
        BigDecimal minor =
                amount.multiply(rate)
                        .setScale(baseFractionDigits(), RoundingMode.HALF_EVEN)
                        .movePointRight(baseFractionDigits());
        return OptionalLong.of(minor.longValueExact());
    }

    /** Minor units back to a decimal in the base currency, for documents. */
    public BigDecimal fromBaseMinor(long minor) {
        return BigDecimal.valueOf(minor, baseFractionDigits());
    }

    String ratesSpec() {
        return rates.entrySet().stream()
                .filter(e -> !e.getKey().equals(baseCurrency))
                .map(e -> e.getKey() + "=" + e.getValue().toPlainString())
                .collect(Collectors.joining(","));
    }
}
