package io.portrait.user;

import io.portrait.anomaly.Alert;
import io.portrait.event.Event;

/**
 * The user operator's keyed input: an accepted event, or an alert of the CEP patterns read back
 * from {@code portrait.alerts.cep} (exactly one of the two is set). A Flink POJO.
 */
public class UserInput {
    public Event event;
    public Alert alert;

    public UserInput() {}

    public static UserInput of(Event e) {
        UserInput in = new UserInput();
        in.event = e;
        return in;
    }

    public static UserInput of(Alert a) {
        UserInput in = new UserInput();
        in.alert = a;
        return in;
    }

    /** The key: the user id of the event or alert. */
    public static String userId(UserInput in) {
        return in.event != null ? in.event.userId() : in.alert.userId();
    }
}
