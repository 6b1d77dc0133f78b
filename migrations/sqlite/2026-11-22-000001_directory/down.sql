DROP TABLE sessions;
DROP TABLE employee_history;
DROP TABLE department_approvers;
DROP TABLE credentials;
DROP TABLE employees;
DROP TABLE accounts;
