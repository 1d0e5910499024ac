package io.portrait.replay;

import java.io.PrintWriter;

/**
 * One updating line on a terminal: {@code label [#######.......] 42.0% 1,234 records 5,678/s}.
 * Redrawn at most twice a second; {@link #finish} ends the line. Without a known total (fraction
 * NaN) it shows the count and rate only.
 */
public final class ProgressBar {
    static final int WIDTH = 30;

    private final PrintWriter out;
    private final String label;
    private final String unit;
    private final long start = System.nanoTime();
    private long lastDraw;

    public ProgressBar(PrintWriter out, String label, String unit) {
        this.out = out;
        this.label = label;
        this.unit = unit;
    }

    /** Redraws if half a second has passed since the last time. */
    public void update(double fraction, long count) {
        long now = System.nanoTime();
        if (now - lastDraw > 500_000_000L) {
            lastDraw = now;
            draw(fraction, count, false);
        }
    }

    public void finish(double fraction, long count) {
        draw(fraction, count, true);
    }

    private void draw(double fraction, long count, boolean done) {
        double seconds = Math.max(1e-3, (System.nanoTime() - start) / 1e9);
        out.print("\r" + line(label, fraction, count, unit, count / seconds));
        if (done) {
            out.println();
        }
        out.flush();
    }

    /** The text of one bar (no carriage return). */
    public static String line(
            String label, double fraction, long count, String unit, double perSecond) {
        StringBuilder b = new StringBuilder(label).append(' ');
        if (!Double.isNaN(fraction)) {
            double f = Math.max(0, Math.min(1, fraction));
            int filled = (int) Math.round(f * WIDTH);
            b.append('[')
                    .append("#".repeat(filled))
                    .append(".".repeat(WIDTH - filled))
                    .append(String.format(java.util.Locale.ROOT, "] %5.1f%%  ", f * 100));
        }
        return b.append(
                        String.format(
                                java.util.Locale.ROOT, "%,d %s  %,.0f/s", count, unit, perSecond))
                .toString();
    }
}
