package io.portrait.recommend;

/**
 * One line of the recommendation log ({@code portrait.recommend.log-topic}): the list a user was
 * given, as of event time {@code part.ts} — what an offline evaluation or an A/B analysis needs to
 * know what was shown before what the user did next. POJO.
 */
public class RecommendationLog {
    public String userId;
    public RecommendationPart part;

    public RecommendationLog() {}

    public RecommendationLog(String userId, RecommendationPart part) {
        this.userId = userId;
        this.part = part;
    }
}
