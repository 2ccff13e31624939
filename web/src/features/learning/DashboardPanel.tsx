import type { Dashboard } from '../../../../contracts/learning.ts';
import { Spinner } from '../../components/Feedback.tsx';
import { Card } from '../../components/Page.tsx';
import { describeError } from '../../lib/api.ts';
import { formatCount, formatMinutes } from '../../lib/format.ts';
import { useDashboard } from './learning.api.ts';

const locale = typeof navigator === 'undefined' ? 'en' : navigator.language;
/** Calendar days ('YYYY-MM-DD', the learner's zone) shown as weekday and date, without shifting zones. */
const dayLabel = (day: string, options: Intl.DateTimeFormatOptions) =>
  new Intl.DateTimeFormat(locale, { ...options, timeZone: 'UTC' }).format(new Date(`${day}T12:00:00Z`));

/** The learner's streak, this week against the daily goal, and recent activity (GET /api/me/dashboard). */
export function DashboardPanel() {
  const query = useDashboard(14);
  if (query.isPending) {
    return (
      <Card className="dashboard">
        <p className="muted">
          <Spinner label="Loading your activity" /> Loading your activity…
        </p>
      </Card>
    );
  }
  if (query.isError) {
    return (
      <Card className="dashboard">
        <p role="alert">Your activity could not be loaded: {describeError(query.error)}</p>
      </Card>
    );
  }
  return <DashboardView data={query.data} />;
}

export function DashboardView({ data }: { data: Dashboard }) {
  const weekMinutes = data.week.reduce((sum, day) => sum + day.minutes, 0);
  const weekGoal = data.dailyGoalMinutes * data.week.length;
  const weekScale = Math.max(data.dailyGoalMinutes, ...data.week.map((d) => d.minutes), 1);
  const activityScale = Math.max(...data.activity.map((d) => d.minutes), 1);
  return (
    <section className="dashboard" aria-labelledby="dashboard-title">
      <h2 id="dashboard-title">Your learning</h2>
      <dl className="dashboard-stats">
        <div className="lp-stat">
          <dt>Current streak</dt>
          <dd>
            {formatCount(data.streak.current, 'day', 'days')}
            {data.streak.current > 0 && !data.streak.learnedToday && (
              <span className="muted small"> — learn today to keep it</span>
            )}
          </dd>
        </div>
        <div className="lp-stat">
          <dt>Longest streak</dt>
          <dd>{formatCount(data.streak.longest, 'day', 'days')}</dd>
        </div>
        <div className="lp-stat">
          <dt>This week</dt>
          <dd>
            {formatMinutes(weekMinutes)}{' '}
            <span className="muted small">of {formatMinutes(weekGoal)} goal</span>
          </dd>
        </div>
        <div className="lp-stat">
          <dt>Courses completed</dt>
          <dd>{data.coursesCompleted}</dd>
        </div>
      </dl>

      <div className="dashboard-charts">
        <figure className="lp-chart">
          <figcaption>
            This week, against your goal of {formatMinutes(data.dailyGoalMinutes)} a day
          </figcaption>
          <ol className="lp-bars lp-bars-week" aria-label="Minutes per day this week">
            {data.week.map((day) => (
              <li key={day.date} className={day.goalMet ? 'lp-bar goal-met' : 'lp-bar'}>
                <span
                  className="lp-bar-fill"
                  style={{ height: `${(day.minutes / weekScale) * 100}%` }}
                  aria-hidden="true"
                />
                <span
                  className="lp-bar-goal"
                  style={{ bottom: `${(data.dailyGoalMinutes / weekScale) * 100}%` }}
                  aria-hidden="true"
                />
                <span className="lp-bar-label" aria-hidden="true">
                  {dayLabel(day.date, { weekday: 'narrow' })}
                </span>
                <span className="visually-hidden">
                  {dayLabel(day.date, { weekday: 'long', day: 'numeric', month: 'long' })}:{' '}
                  {formatMinutes(day.minutes)}
                  {day.goalMet ? ', goal met' : ''}
                </span>
              </li>
            ))}
          </ol>
        </figure>
        <figure className="lp-chart">
          <figcaption>Minutes learned, last {data.activity.length} days</figcaption>
          <ol
            className="lp-bars lp-bars-activity"
            aria-label={`Minutes per day, last ${data.activity.length} days`}
          >
            {data.activity.map((day) => (
              <li key={day.date} className="lp-bar">
                <span
                  className="lp-bar-fill"
                  style={{ height: `${(day.minutes / activityScale) * 100}%` }}
                  aria-hidden="true"
                />
                <span className="visually-hidden">
                  {dayLabel(day.date, { day: 'numeric', month: 'long' })}: {formatMinutes(day.minutes)},{' '}
                  {formatCount(day.lessonsCompleted, 'lesson', 'lessons')} completed
                </span>
              </li>
            ))}
          </ol>
        </figure>
      </div>
    </section>
  );
}
